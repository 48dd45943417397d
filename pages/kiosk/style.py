"""How the kiosk looks: type large enough to read from a step away, checking in beside today's courses
on a screen held landscape, one above the other held upright."""

KIOSK_STYLE = """
<style>
  body { background: #f1f5f9; overflow-x: hidden; }
  .kiosk { font-size: 24px; line-height: 1.3; color: #0f172a;
           -webkit-user-select: none; user-select: none; -webkit-touch-callout: none; }
  .kiosk input { -webkit-user-select: text; user-select: text; }
  .kiosk-header { padding: 18px 32px; }
  .kiosk-centre { font-size: 32px; font-weight: 700; line-height: 1.1; }
  .kiosk-subtitle { font-size: 20px; opacity: .85; }
  .kiosk-clock { font-size: 40px; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1; }
  .kiosk-date { font-size: 20px; opacity: .85; }
  .kiosk-main { width: 100%; max-width: 1400px; margin: 0 auto; padding: 24px 32px 48px; gap: 24px; }
  /* Landscape: checking in on the left, today's courses beside it; portrait: one above the other. */
  .kiosk-layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); align-items: start; }
  .kiosk-left { position: sticky; top: 24px; gap: 24px; }
  .kiosk-panel { background: white; border-radius: 20px; padding: 28px 32px; width: 100%;
                 box-shadow: 0 1px 3px rgba(15,23,42,.08), 0 8px 24px rgba(15,23,42,.06); }
  .kiosk-title { font-size: 36px; font-weight: 800; line-height: 1.15; }
  .kiosk-hint { font-size: 22px; color: #475569; }
  .kiosk-field .q-field__control { height: 88px; border-radius: 14px; }
  .kiosk-field .q-field__native { font-size: 40px; font-weight: 700; letter-spacing: .04em; }
  .kiosk-reference .q-field__native { text-transform: uppercase; }
  .kiosk-field .q-field__native::placeholder { text-transform: none; letter-spacing: 0; font-weight: 400;
                                               font-size: 26px; color: #94a3b8; opacity: 1; }
  .kiosk-go { height: 88px; min-width: 180px; font-size: 28px; font-weight: 700; border-radius: 14px; }
  .kiosk-link { font-size: 22px; font-weight: 600; }
  .kiosk-result { border-radius: 20px; padding: 28px 32px; width: 100%; }
  .kiosk-result-heading { font-size: 44px; font-weight: 800; line-height: 1.1; }
  .kiosk-result-body { font-size: 26px; line-height: 1.35; }
  .kiosk-result-icon { font-size: 72px; }
  .kiosk-ok { background: #2e7d32; color: white; }
  .kiosk-again { background: #0369a1; color: white; }
  .kiosk-problem { background: #fef3c7; color: #78350f; border: 4px solid #f59e0b; }
  .kiosk-section { font-size: 26px; font-weight: 700; color: #334155; }
  .kiosk-sessions { display: grid; gap: 16px; width: 100%; grid-template-columns: minmax(0, 1fr); }
  .kiosk-card { background: white; border-radius: 18px; padding: 20px 24px; gap: 4px;
                box-shadow: 0 1px 3px rgba(15,23,42,.08); border-left: 10px solid var(--q-primary); }
  .kiosk-card-title { font-size: 26px; font-weight: 700; line-height: 1.2; }
  .kiosk-card-when { font-size: 20px; color: #475569; }
  .kiosk-figures { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; margin-top: 10px; }
  .kiosk-figure { font-size: 44px; font-weight: 800; line-height: 1; font-variant-numeric: tabular-nums; }
  .kiosk-figure-label { font-size: 17px; color: #64748b; line-height: 1.2; }
  .kiosk-bar { width: 100%; height: 12px; border-radius: 6px; background: #e2e8f0; overflow: hidden; margin-top: 12px; }
  .kiosk-bar > div { height: 100%; background: #2e7d32; transition: width .4s ease; }
  .kiosk-match { width: 100%; padding: 16px 24px; border-radius: 16px; }
  .kiosk-match .q-btn__content { justify-content: flex-start; text-align: left; }
  .kiosk-match-name { font-size: 32px; font-weight: 700; line-height: 1.2; color: #0f172a; }
  .kiosk-match-course { font-size: 20px; line-height: 1.3; color: #475569; }
  .kiosk-lock { opacity: .55; margin-right: -8px; }
  .kiosk-control { opacity: .55; }
  .kiosk-dialog { width: min(640px, 94vw); max-width: 94vw; border-radius: 20px; padding: 28px; gap: 16px; }
  .kiosk-dialog .q-field__native { font-size: 22px; }
  @media (max-width: 1000px), (orientation: portrait) {
    .kiosk-layout { grid-template-columns: minmax(0, 1fr); }
    .kiosk-left { position: static; }
    .kiosk-sessions { grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); }
  }
  @media (max-width: 820px) {
    .kiosk-header { padding: 14px 20px; }
    .kiosk-main { padding: 18px 18px 40px; gap: 18px; }
    .kiosk-panel { padding: 22px; }
    .kiosk-title { font-size: 32px; }
    .kiosk-result-heading { font-size: 38px; }
    .kiosk-go { min-width: 150px; }
  }
  /* A phone held upright: the reference gets the whole width, the button goes under it. */
  @media (max-width: 520px) {
    .kiosk-header { padding: 12px 16px; gap: 8px; }
    .kiosk-centre { font-size: 22px; }
    .kiosk-subtitle, .kiosk-date { font-size: 15px; }
    .kiosk-clock { font-size: 28px; }
    .kiosk-main { padding: 14px 12px 32px; }
    .kiosk-panel, .kiosk-result { padding: 18px; }
    .kiosk-title { font-size: 26px; }
    .kiosk-hint { font-size: 18px; }
    .kiosk-entry { flex-wrap: wrap !important; }
    .kiosk-entry > .kiosk-field { flex-basis: 100%; }
    .kiosk-entry > .kiosk-go { width: 100%; }
    .kiosk-field .q-field__native { font-size: 32px; }
    .kiosk-field .q-field__native::placeholder { font-size: 17px; }
    .kiosk-result-heading { font-size: 30px; }
    .kiosk-result-body { font-size: 20px; }
    .kiosk-result-icon { font-size: 48px; }
    .kiosk-sessions { grid-template-columns: minmax(0, 1fr); }
  }
</style>
"""

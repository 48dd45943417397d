"""What every layer above the models shares and nothing of ours below it: who acts for which centre and
when (`context`), the errors a rule raises (`errors`), the audit trail (`audit`), the domain events queued
until a commit (`signals`), and how money and dates read at a centre (`formatting`)."""

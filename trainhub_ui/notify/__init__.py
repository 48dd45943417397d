"""Email: the transactional outbox, its templates and the SMTP sender.

Services queue emails with the functions of `emails` in their own transaction; `sender.deliver_due`
(a job) sends what is due. Without SMTP settings nothing is sent and staff read the outbox at
`/{slug}/admin/outbox`.
"""

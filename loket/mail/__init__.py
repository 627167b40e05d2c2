"""The e-mail channel: mail in (IMAP, SMTP/LMTP push, file import), mail out, and the rules
that keep it exactly-once, threaded and loop-free.

Modules, each with one job:
    parse      raw bytes → ParsedMail (never raises; defects listed)
    quotes     new text vs quoted history and signature (en, nl, de, fr, ru)
    content    what the agent sees of a mail; ``inspect`` for ``loket mail inspect``
    loops      RFC 3834: automatic mail, bounces, Loket's own mail
    auth       DKIM/DMARC verdicts of the desk's own receiving servers only
    threading  which ticket a mail belongs to
    ingest     stores one mail exactly once, or quarantines it
    sources    .eml files, Maildir and mbox, streamed
    imap       polling by UIDVALIDITY + UID; mailbox health and alerts
    smtpd      push delivery (aiosmtpd)
    send       replies and acknowledgements out, with delivery status
    tasks      worker tasks (poll every mailbox; acknowledge a new ticket)

Settings (Django setting of the same name, else environment variable ``LOKET_<NAME>``):
    MAIL_MAX_MB (60), MAIL_NEW_TICKETS_PER_HOUR (20), MAIL_THREAD_BY_SUBJECT_DAYS (0: off),
    MAIL_AUTHSERV_IDS (none: no mail is authenticated), MAIL_ALERT_AFTER_MINUTES (30),
    MAIL_FETCH_BATCH (50), MAIL_POLL_LEASE_SECONDS (120), MAIL_ACKS_PER_HOUR (3),
    MAIL_ACKNOWLEDGE (1).
"""

"""The e-mail channel: mail in (IMAP, SMTP/LMTP push, file import), mail out, and the rules
that keep it exactly-once, threaded and loop-free.

Modules, each with one job:
    parse      raw bytes → ParsedMail (never raises; defects listed), with its helpers:
               mailtext (charsets, addresses, bounded HTML), headers, mime (the MIME walk),
               parsed (the data classes), limits (header and address caps, on the bytes)
    quotes     new text vs quoted history, signature and forwarded mail (17 languages)
    attribution  "On … wrote:" lines, header blocks and separators that start quoted history
    signatures   "-- ", sign-offs with name and title, phone/app and mailing-list footers
    learned    signatures learnt per sender: the lines their latest mails all end with
    forwarded  a forwarded mail under a customer's note, read for its section on the ticket
               page (``{% load mail_parts %}{% message_body m %}``)
    reply_html   where an HTML reply's quoted history starts, on its markup
    content    what the agent sees of a mail; ``inspect`` for ``loket mail inspect``
    loops      RFC 3834: automatic mail, bounces, Loket's own mail
    auth       DKIM/DMARC verdicts of the desk's own receiving servers only
    threading  which ticket a mail belongs to
    ingest     stores one mail exactly once, or quarantines it, with its helpers:
               rawstore (raw files), batching (one transaction per batch), apply (what a
               mail becomes)
    sources    .eml files, Maildir and mbox, streamed
    pipeline   bulk import on every core: parsing runs ahead in worker processes
    imap       polling by UIDVALIDITY + UID; mailbox health and alerts
    smtpd      push delivery (aiosmtpd)
    send       replies (to the customer, others on their mail in Cc), acknowledgements and
               closing notices out, with delivery status; no automatic mail to hard bounces
    notices    queues the closing notice when a mail ticket is marked solved
    templates_text  texts of Loket's own mails per language and form of address (je/u)
    tasks      worker tasks (poll every mailbox; acknowledge new tickets; closing notice)

Settings (Django setting of the same name, else environment variable ``LOKET_<NAME>``):
    MAIL_MAX_MB (60), MAIL_NEW_TICKETS_PER_HOUR (20), MAIL_THREAD_BY_SUBJECT_DAYS (0: off),
    MAIL_AUTHSERV_IDS (none: no mail is authenticated), MAIL_ALERT_AFTER_MINUTES (30),
    MAIL_FETCH_BATCH (50), MAIL_POLL_LEASE_SECONDS (120), MAIL_ACKS_PER_HOUR (3),
    MAIL_ACKNOWLEDGE (1), MAIL_CLOSING_NOTICE (1), MAIL_MAX_CC (10), MAIL_MAX_HEADER_KB (1024),
    MAIL_MAX_ONE_HEADER_KB (64), MAIL_MAX_ADDRESSES (1000; From, Reply-To, To, Cc together).

Bulk import (``ingest_batch``: import-mail, IMAP batches) writes each batch in one transaction
with a savepoint per mail; the batch's ticket events are written together at its end
(``loket.tickets.eventlog``), with the SLA clocks of all its tickets in a few queries, and
its mail records in one INSERT. ``loket import-mail --jobs N`` parses in N processes.
"""

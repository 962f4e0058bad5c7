#!/usr/bin/env python3
"""A plain SMTP flood, as the attack review ran it: messages of SIZE bytes from SOURCE to the
submission port until one is refused (or COUNT are sent). Prints one JSON line: how many were
accepted, and the refusal's code and text."""
import json
import smtplib
import sys

host, port, source, size, count, message_id = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
accepted = 0
refused = None
body = ('x' * 76 + '\r\n') * max(1, size // 78)
for i in range(count):
    subject = f'taken {message_id}' if message_id else f'flood {i}'
    headers = f'From: flood@example.com\r\nTo: ops@example.com\r\nSubject: {subject}\r\n'
    if message_id:
        headers += f'Message-ID: {message_id}\r\n'
    try:
        with smtplib.SMTP(host, port, source_address=(source, 0), timeout=30) as smtp:
            smtp.sendmail('flood@example.com', ['ops@example.com'], headers + '\r\n' + body)
        accepted += 1
    except smtplib.SMTPResponseException as e:
        refused = {'code': e.smtp_code, 'text': e.smtp_error.decode('utf8', 'replace')}
        break
    except smtplib.SMTPRecipientsRefused as e:
        code, text = list(e.recipients.values())[0]
        refused = {'code': code, 'text': text.decode('utf8', 'replace')}
        break
print(json.dumps({'accepted': accepted, 'refused': refused}))

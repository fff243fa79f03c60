"""The console email backend of `make run`, printing messages a person can read and copy."""

import email.policy

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend
from django.core.mail.message import EmailMessage

# The default policy folds at 78 characters, so any longer line (every confirmation
# link) makes the body quoted-printable: "=3D" and soft line breaks in the link. The
# SMTP line limit (RFC 5321: 998) keeps such bodies 7bit/8bit, which print as written.
READABLE = email.policy.default.clone(max_line_length=998)


class ConsoleEmailBackend(DjangoConsoleBackend):
    def write_message(self, message: EmailMessage) -> None:
        msg = message.message(policy=READABLE)
        self.stream.write(f"{msg.as_bytes().decode('utf-8', 'replace')}\n")
        self.stream.write("-" * 79)
        self.stream.write("\n")

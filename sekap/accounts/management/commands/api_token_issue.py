from django.core.management.base import BaseCommand, CommandError

from sekap.accounts.models import User
from sekap.accounts.services import api_token_issue


class Command(BaseCommand):
    help = (
        "Issue a new API token to an account (replacing its earlier one) and print the key. "
        "Audited; the key is shown only here."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="The account's e-mail address.")

    def handle(self, *args, email: str, **options) -> None:
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active account with the e-mail address {email}.")
        token = api_token_issue(actor=None, user=user)
        self.stdout.write(token.key)

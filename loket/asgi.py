import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
django_application = get_asgi_application()

from loket.lib.bodylimit import BodyLimitASGI  # noqa: E402  (needs the settings)

# Bodies over their route's cap are refused before Django reads them (loket/lib/bodylimit.py).
application = BodyLimitASGI(django_application)

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
# Each ASGI request runs its database work in a thread of its own: a connection kept after the
# request would never be reused, only left open (see _database in loket/settings.py).
os.environ.setdefault("LOKET_DATABASE_CONN_MAX_AGE", "0")
django_application = get_asgi_application()

from loket.lib.bodylimit import BodyLimitASGI  # noqa: E402  (needs the settings)

# Bodies over their route's cap are refused before Django reads them (loket/lib/bodylimit.py).
application = BodyLimitASGI(django_application)

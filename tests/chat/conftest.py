from tests.live.conftest import live_template, make_site

__all__ = ["live_template", "make_site"]

"""Flask-WTF forms. Shared field validators live in ``loket.web.forms.validators``."""

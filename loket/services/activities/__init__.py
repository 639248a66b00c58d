"""Activities: requests by schools (``requests``) and offers by companies (``offers``), their shared
validation (``rules``) and state changes (``state``), and the own lists of each side (``lists``)."""

"""Demo data: schools and companies over real Dutch places, every role, open requests and offers
(``seed``), from Dutch word lists (``names``), decided matches to learn weights from
(``decisions``) and a planned, published career day (``career_day``)."""

from loket.services.demo.career_day import seed_career_day
from loket.services.demo.decisions import seed_decisions
from loket.services.demo.seed import (
    DEMO_PASSWORD,
    DemoGenerator,
    DemoSize,
    demo_logins,
    is_empty,
    school_year,
    seed_demo,
)

__all__ = [
    "DEMO_PASSWORD",
    "DemoGenerator",
    "DemoSize",
    "demo_logins",
    "is_empty",
    "school_year",
    "seed_career_day",
    "seed_decisions",
    "seed_demo",
]

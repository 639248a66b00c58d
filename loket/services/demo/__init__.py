"""Demo data: schools and companies over real Dutch places, every role, open requests and offers
(``seed``), from Dutch word lists (``names``), and decided matches to learn weights from
(``decisions``)."""

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
    "seed_decisions",
    "seed_demo",
]

"""How long personal data is kept: ``RELAIS_RETENTION_MONTHS``, the same for every service.

Pure date arithmetic and the setting; each service's purge decides what
"older than the cut-off" means for its own tables (README, section Privacy).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import datetime

from shared.config import ConfigError, env_int

#: Two years after a case closes: long enough for the employer's and the SPST's
#: follow-up and for a dispute about a missed deadline, short enough not to
#: become a register of the population's sick leaves.
DEFAULT_MONTHS = 24
MAX_MONTHS = 120


def retention_months(environ: Mapping[str, str] | None = None) -> int:
    """``RELAIS_RETENTION_MONTHS``: a whole number of months, 1 to 120.

    :raises ConfigError: on a malformed or out-of-range value.
    """
    months = env_int("RELAIS_RETENTION_MONTHS", DEFAULT_MONTHS, environ)
    check_months(months)
    return months


def check_months(months: int) -> int:
    """:raises ConfigError: unless 1 <= ``months`` <= 120."""
    if not 1 <= months <= MAX_MONTHS:
        raise ConfigError(f"RELAIS_RETENTION_MONTHS doit être compris entre 1 et {MAX_MONTHS} "
                          f"(reçu {months})")
    return months


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` moved back ``months`` calendar months (31 March - 1 month = 28/29 February)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)

"""The PDP rules engine: pure functions of dates and facts (``docs/rules.md``).

Dates in, decisions out. Nothing here reads the clock (``as_of`` is passed
in), touches a database or imports a web framework: the standard library and
the ``holidays`` package only. :func:`evaluate` answers a whole
:class:`Situation`; :func:`essai_encadre_end` and :func:`crpe_latest_end` are
the two stand-alone calculators. Configurable interpretations live in
:class:`Policy`.
"""

from __future__ import annotations

from services.scheduler.domain.rules.calendar import REGIONS, add_months
from services.scheduler.domain.rules.causes import Cause
from services.scheduler.domain.rules.chains import CurrentAbsence
from services.scheduler.domain.rules.crpe import crpe_latest_end
from services.scheduler.domain.rules.errors import InvalidSituation
from services.scheduler.domain.rules.essai_encadre import essai_encadre_end
from services.scheduler.domain.rules.evaluation import Evaluation, evaluate
from services.scheduler.domain.rules.inaptitude import Inaptitude
from services.scheduler.domain.rules.liaison import LiaisonMeeting
from services.scheduler.domain.rules.mid_career import MidCareerVisit
from services.scheduler.domain.rules.policy import Policy
from services.scheduler.domain.rules.pre_reprise import PreRepriseVisit
from services.scheduler.domain.rules.reprise import RepriseVisit
from services.scheduler.domain.rules.situation import Absence, Situation
from services.scheduler.domain.rules.warnings import RuleWarning
from services.scheduler.domain.rules.window import Window

__all__ = [
    "REGIONS",
    "Absence",
    "Cause",
    "CurrentAbsence",
    "Evaluation",
    "Inaptitude",
    "InvalidSituation",
    "LiaisonMeeting",
    "MidCareerVisit",
    "Policy",
    "PreRepriseVisit",
    "RepriseVisit",
    "RuleWarning",
    "Situation",
    "Window",
    "add_months",
    "crpe_latest_end",
    "essai_encadre_end",
    "evaluate",
]

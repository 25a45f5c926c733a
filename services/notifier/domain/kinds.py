"""The kinds of message the notifier sends, who reads them and what they need.

One template per kind and channel lives in ``services/notifier/templates``.
``EXAMPLES`` gives realistic data for each kind: the tests render every
template with it (SMS must fit in two segments), and callers can read it as
the list of variables a kind expects. No kind carries a medical detail: the
notifier never knows why someone is on leave.
"""

from __future__ import annotations

from typing import Any

SMS_AND_EMAIL = ("sms", "email")
EMAIL_ONLY = ("email",)

KINDS: dict[str, tuple[str, ...]] = {
    "liaison_information": SMS_AND_EMAIL,  # salarié : rendez-vous de liaison possible
    "liaison_employer_duty": EMAIL_ONLY,  # employeur : doit informer le salarié
    "liaison_proposal": SMS_AND_EMAIL,  # salarié : un créneau proposé
    "liaison_confirmed": SMS_AND_EMAIL,  # rendez-vous confirmé, lien calendrier
    "liaison_reminder": SMS_AND_EMAIL,  # la veille
    "liaison_cancelled": SMS_AND_EMAIL,
    "liaison_window_impossible": EMAIL_ONLY,  # plus le temps d'organiser le rendez-vous
    "liaison_window_impossible_employee": SMS_AND_EMAIL,  # salarié : il n'aura pas lieu
    "liaison_refused_employer": EMAIL_ONLY,  # le salarié ne donne pas suite (neutre)
    "liaison_slots": EMAIL_ONLY,  # employeur : dates proposées, lien pour confirmer
    "reprise_referral": EMAIL_ONLY,  # SPST : visite de reprise à organiser (R+8)
    "reprise_scheduled": SMS_AND_EMAIL,  # salarié : visite de reprise fixée
    "reprise_escalation": EMAIL_ONLY,  # SPST : échéance proche ou dépassée sans visite fixée
    "reprise_escalation_employer": EMAIL_ONLY,  # employeur : idem, contacter le SPST
    "pre_reprise_information": SMS_AND_EMAIL,  # salarié : visite de pré-reprise possible
    "pre_reprise_request": EMAIL_ONLY,  # SPST seul : le salarié demande la visite
    "mid_career_due": EMAIL_ONLY,  # employeur : visite de mi-carrière à prévoir
    "mid_career_employee": SMS_AND_EMAIL,  # salarié (selon le SPST) : mi-carrière à prévoir
    "mid_career_scheduled": SMS_AND_EMAIL,  # salarié (selon le SPST) : visite fixée, agenda
    "sms_opted_out_use_email": EMAIL_ONLY,  # le salarié refuse les SMS : écrire par e-mail
    # Invitations d'agenda du service calendrier (ICS joint, METHOD:REQUEST ou CANCEL).
    "event_invitation": EMAIL_ONLY,  # nouveau rendez-vous ou rendez-vous modifié
    "event_cancelled": EMAIL_ONLY,  # rendez-vous annulé
}

_LINK = "https://relais.example.fr/r/7Kq2mXw9Ab"
_PERSON = {"name": "Marie-Hélène", "employer_name": "Boulangerie Martin et Fils"}
_EVENT = {"name": "Marie-Hélène Durand", "summary": "Rendez-vous de liaison",
          "start": "mardi 15 avril 2025 à 10 h 00", "end": "mardi 15 avril 2025 à 10 h 30",
          "location": "12 rue de la Paix, 75002 Paris",
          "video_url": "https://visio.example.fr/rdv/7Kq2mXw9Ab",
          "organizer_name": "Dr Claire Martin"}
EXAMPLES: dict[str, dict[str, Any]] = {
    "liaison_information": {**_PERSON, "link": _LINK},
    "liaison_employer_duty": {"name": "Mme Lefèvre", "employee_name": "Marie-Hélène Durand",
                              "link": _LINK, "deadline": "2026-03-20"},
    "liaison_proposal": {**_PERSON, "starts_at": "2026-03-12T14:30:00+01:00", "link": _LINK},
    "liaison_confirmed": {**_PERSON, "starts_at": "2026-03-12T14:30:00+01:00",
                          "location": "Visioconférence", "calendar_link": _LINK},
    "liaison_reminder": {**_PERSON, "starts_at": "2026-03-12T14:30:00+01:00",
                         "location": "Visioconférence", "link": _LINK},
    "liaison_cancelled": {**_PERSON, "starts_at": "2026-03-12T14:30:00+01:00", "link": _LINK},
    "liaison_window_impossible": {"name": "Mme Lefèvre", "employee_name": "Marie-Hélène Durand",
                                  "return_date": "2026-03-16"},
    "liaison_window_impossible_employee": {**_PERSON, "link": _LINK},
    "liaison_refused_employer": {"name": "Mme Lefèvre", "employee_name": "Marie-Hélène Durand"},
    "liaison_slots": {"name": "Boulangerie Martin et Fils", "employee_name": "Marie-Hélène Durand",
                      "slots": ["2025-04-15T09:00:00+02:00", "2025-04-18T09:00:00+02:00",
                                "2025-04-22T09:00:00+02:00"],
                      "earliest": "2025-04-15", "latest": "2025-04-22", "link": _LINK},
    "reprise_referral": {"name": "Service de planification",
                         "employee_name": "Marie-Hélène Durand",
                         "employer_name": "Boulangerie Martin et Fils",
                         "return_date": "2026-03-16", "deadline": "2026-03-24", "link": _LINK},
    "reprise_scheduled": {**_PERSON, "starts_at": "2026-03-18T09:15:00+01:00",
                          "location": "12 rue de la Paix, 75002 Paris", "link": _LINK},
    "reprise_escalation": {"name": "Service de planification",
                           "employee_name": "Marie-Hélène Durand",
                           "employer_name": "Boulangerie Martin et Fils",
                           "deadline": "2026-03-24", "link": _LINK, "overdue": False},
    "reprise_escalation_employer": {"name": "Boulangerie Martin et Fils",
                                    "employee_name": "Marie-Hélène Durand",
                                    "deadline": "2026-03-24", "overdue": False},
    "pre_reprise_information": {**_PERSON, "link": _LINK},
    "pre_reprise_request": {"name": "Service de planification",
                            "employee_name": "Marie-Hélène Durand",
                            "employer_name": "Boulangerie Martin et Fils", "link": _LINK},
    "mid_career_employee": {**_PERSON, "deadline": "2026-12-31", "link": _LINK},
    "mid_career_scheduled": {**_PERSON, "starts_at": "2026-10-06T14:00:00+02:00",
                             "location": "12 rue de la Paix, 75002 Paris", "link": _LINK,
                             "calendar_link": _LINK},
    "mid_career_due": {"name": "Mme Lefèvre", "employee_name": "Marie-Hélène Durand",
                       "deadline": "2026-09-30", "link": _LINK},
    "sms_opted_out_use_email": {"name": "Mme Lefèvre", "employee_name": "Marie-Hélène Durand"},
    # Dates already written in French by the calendar (Europe/Paris).
    "event_invitation": {**_EVENT, "update": False},
    "event_cancelled": {**_EVENT, "update": False},
}


def channels_of(kind: str) -> tuple[str, ...]:
    """The channels ``kind`` has a template for (empty when the kind is unknown)."""
    return KINDS.get(kind, ())

"""The calendar: ICS invites, planners' feeds, CalDAV push and busy times."""

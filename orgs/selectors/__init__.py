"""Identity's reads, by topic: ``identity`` (roles in a namespace, organizations, teams, robots,
tokens, users), ``members`` (an organization's members and collaborators, a robot's grants) and
``audit`` (the audit log's rows and counts). Writes live in ``orgs.services``."""

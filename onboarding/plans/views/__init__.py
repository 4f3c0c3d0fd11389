"""The pages of a plan, one module per audience: the hire, the manager, everyone who may read it, admins."""

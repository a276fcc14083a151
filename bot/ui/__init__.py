"""Discord-facing pieces shared by the cogs: translation, safe sending, error reporting, checks."""

"""Role templates: versioned plans read from blueprint documents (reader/), their pages and commands."""

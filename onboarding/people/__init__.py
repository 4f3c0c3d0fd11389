"""People: accounts, sign-in, the people page and the `users` commands."""

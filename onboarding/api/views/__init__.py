"""The API's resources, one module each; their routes live on the one `api` blueprint."""

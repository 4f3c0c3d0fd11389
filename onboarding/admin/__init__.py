"""The admin dashboard and the `admin` blueprint every concept's admin pages register on."""

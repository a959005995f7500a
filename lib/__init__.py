"""The product: access rules, services, analytics, authentication and the page guard."""

"""Pure circuit builders: no backend, no noise, no execution."""

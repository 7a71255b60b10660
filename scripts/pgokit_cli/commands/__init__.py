"""One module per `pgokit` command."""

from pgokit_cli.cli import main

main()

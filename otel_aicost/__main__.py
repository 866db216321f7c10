from otel_aicost.cli import main

main()

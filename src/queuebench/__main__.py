from queuebench.cli import main

main()

from carrier_simulator.server import main

main()

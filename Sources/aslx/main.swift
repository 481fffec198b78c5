import ASLCLI
import Foundation

// The whole program lives in ASLCLI so that tests can drive it; this only hands over argv.
exit(CommandLine.run(arguments: Array(CommandLine.arguments.dropFirst())))

import Shim

// Everything lives in the Shim library, so that unit tests can reach it.
ShimCommand.main(Array(CommandLine.arguments.dropFirst()))

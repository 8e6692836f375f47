/// What the connection does after a handler: serve the next request or hang up.
enum AfterResponse: Sendable {
    case keepAlive
    case close
}

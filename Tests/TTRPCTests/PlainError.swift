/// An error with no status: travels as Unknown with its description.
struct PlainError: Error, CustomStringConvertible {
    var description: String { "plain failure" }
}

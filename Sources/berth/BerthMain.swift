import CLI

/// `berth`: everything lives in the CLI module.
@main
enum BerthMain {
    static func main() async {
        await BerthCommand.main()
    }
}

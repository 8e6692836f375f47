import Testing
import BerthCore

struct FieldPathsTests {
    let current = ["keep": "1", "change": "old", "drop": "x"]

    @Test func noPathsReplaceAllLabels() {
        #expect(FieldPaths.apply(labels: current, update: ["new": "v"], paths: []) == ["new": "v"])
        #expect(FieldPaths.apply(labels: current, update: [:], paths: []) == [:])
    }

    @Test func labelsPathReplacesAllLabels() {
        #expect(FieldPaths.apply(labels: current, update: ["new": "v"], paths: ["labels"]) == ["new": "v"])
    }

    @Test func labelKeyPathsSetOrRemoveOneLabel() {
        let update = ["change": "new", "added": "a", "ignored": "i"]
        let paths = ["labels.change", "labels.added", "labels.drop"]
        #expect(FieldPaths.apply(labels: current, update: update, paths: paths)
            == ["keep": "1", "change": "new", "added": "a"])
    }

    @Test func labelKeysMayContainDots() {
        let result = FieldPaths.apply(labels: [:], update: ["containerd.io/gc.root": "t"], paths: ["labels.containerd.io/gc.root"])
        #expect(result == ["containerd.io/gc.root": "t"])
    }

    @Test func emptyValuesAreNotStored() {
        #expect(FieldPaths.apply(labels: current, update: ["keep": ""], paths: ["labels.keep"]) == ["change": "old", "drop": "x"])
        #expect(FieldPaths.apply(labels: [:], update: ["a": "", "b": "2"], paths: []) == ["b": "2"])
    }

    @Test func pathsApplyInOrder() {
        let update = ["a": "1", "b": "2"]
        #expect(FieldPaths.apply(labels: current, update: update, paths: ["labels", "labels.keep"]) == ["a": "1", "b": "2"])
        #expect(FieldPaths.apply(labels: current, update: update, paths: ["labels.a", "labels"]) == ["a": "1", "b": "2"])
    }

    @Test func otherPathsAreLeftToTheCaller() {
        #expect(FieldPaths.apply(labels: current, update: ["x": "y"], paths: ["name", "labelsx"]) == current)
    }

    @Test(arguments: [
        ("labels", ["labels"]),
        ("labels.foo", ["labels", "foo"]),
        ("labels.a.b.c", ["labels", "a.b.c"]),
        (#"labels."a.b""#, ["labels", #""a.b""#]),
        ("labels.", ["labels", ""]),
        ("annotations.x", ["annotations", "x"]),
        ("name", ["name"]),
    ])
    func splitsAtTheFirstDotOnly(path: String, components: [String]) {
        #expect(FieldPaths.split(path) == components)
    }
}

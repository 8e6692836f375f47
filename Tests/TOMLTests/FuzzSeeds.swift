import FuzzSupport
import TOML

/// Valid documents that mutation starts from; together they touch every construct.
let seedDocuments: [String] = [
    "version = 2\nroot = \"/var/lib/berth\"\n[grpc]\n  address = \"/run/berth/berth.sock\"\n  gid = 4242\n[plugins.\"io.containerd.runtime.v2.task\"]\n  default_runtime_name = \"io.containerd.runc.v2\"\n",
    "server = \"https://registry-1.docker.io\"\n[host.\"https://m.example.com\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = false\n  [host.\"https://m.example.com\".header]\n    x-list = [\"a\", \"b\"]\n",
    "a.b.\"c.d\" = 1\n'lit' = 'x'\n[t]\nk = { x = 1, y.z = \"s\" }\narr = [1, 2, [3, 4], { q = 1 }, ]\n",
    "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\nname = \"rd\"\n[[fruits]]\nname = \"banana\"\n",
    "s1 = \"\"\"\nRoses \\\n  are red\"\"\"\ns2 = '''\nraw ''text'' '''\ns3 = \"esc \\u00E9 \\U0001F600 \\t\"\n",
    "i = +99\nj = -17\nh = 0xdead_beef\no = 0o755\nb = 0b1101\nf = 6.626e-34\ng = -inf\nn = nan\nz = 1_000.000_1\n",
    "odt = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27 00:32:00.999-07:00\nldt = 1979-05-27T07:32:00\nld = 2000-02-29\nlt = 07:32:00.5\n",
    "# comment\n[a.b.c]\nz = 9\n[a]\nd.e = true  # trailing\n[x.y]\n[x]\nw = [\n  1, # one\n  2\n]\n",
    "t = {a={b={c=[1,{d=2}]}}}\nempty = {}\nearr = []\n\"\" = 'empty key'\n",
]

/// Bytes inserted by mutation: the structural characters most likely to find bugs.
let structuralBytes = Array("[]{}=\"'.#,\n".utf8)

/// Applies 1-maxEdits random edits: bit flips, truncation, structural insertions, chunk duplication/deletion.
func mutate(_ input: [UInt8], _ rng: inout SplitMix64, maxEdits: Int = 3) -> [UInt8] {
    var b = input
    for _ in 0..<Int.random(in: 1...maxEdits, using: &rng) {
        let at = b.isEmpty ? 0 : Int.random(in: 0..<b.count, using: &rng)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !b.isEmpty:
            b[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
        case 1:
            b = Array(b[0..<at])
        case 2, 3:
            b.insert(structuralBytes.randomElement(using: &rng) ?? 0x5B, at: at)
        case 4 where !b.isEmpty:
            let len = Int.random(in: 1...min(16, b.count - at), using: &rng)
            b.insert(contentsOf: b[at..<(at + len)], at: at)
        default:
            if !b.isEmpty { b.remove(at: at) }
        }
    }
    return b
}

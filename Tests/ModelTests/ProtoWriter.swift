/// A minimal protobuf encoder, so tests can build ONNX files byte by byte —
/// including the malformed ones a real exporter would never write.
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func tag(_ field: Int, _ wire: Int) { varint(UInt64(field << 3 | wire)) }
    mutating func int(_ field: Int, _ v: Int) { tag(field, 0); varint(UInt64(bitPattern: Int64(v))) }
    mutating func bytes(_ field: Int, _ b: [UInt8]) { tag(field, 2); varint(UInt64(b.count)); bytes += b }
    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }
    mutating func message(_ field: Int, _ m: ProtoWriter) { bytes(field, m.bytes) }
    mutating func float(_ field: Int, _ f: Float) {
        tag(field, 5)
        withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes += $0 }
    }
    mutating func packedFloats(_ field: Int, _ v: [Float]) {
        var inner: [UInt8] = []
        for f in v { withUnsafeBytes(of: f.bitPattern.littleEndian) { inner += $0 } }
        bytes(field, inner)
    }
    mutating func packedDoubles(_ field: Int, _ v: [Double]) {
        var inner: [UInt8] = []
        for f in v { withUnsafeBytes(of: f.bitPattern.littleEndian) { inner += $0 } }
        bytes(field, inner)
    }
    mutating func packedInts(_ field: Int, _ v: [Int]) {
        var inner = ProtoWriter()
        for x in v { inner.varint(UInt64(bitPattern: Int64(x))) }
        bytes(field, inner.bytes)
    }
}

/// Builders for the ONNX messages (field numbers from onnx.proto).
enum ONNX {
    static func tensor(_ name: String, _ dtype: Int32, _ dims: [Int], build: (inout ProtoWriter) -> Void = { _ in }) -> ProtoWriter {
        var t = ProtoWriter()
        for d in dims { t.int(1, d) }
        t.int(2, Int(dtype))
        t.string(8, name)
        build(&t)
        return t
    }
    static func floats(_ name: String, _ dims: [Int], _ v: [Float]) -> ProtoWriter {
        tensor(name, 1, dims) { $0.packedFloats(4, v) }
    }
    static func raw(_ name: String, _ dtype: Int32, _ dims: [Int], _ raw: [UInt8]) -> ProtoWriter {
        tensor(name, dtype, dims) { $0.bytes(9, raw) }
    }
    static func int64s(_ name: String, _ dims: [Int], _ v: [Int]) -> ProtoWriter {
        tensor(name, 7, dims) { $0.packedInts(7, v) }
    }

    enum Dim { case value(Int), param(String) }

    static func valueInfo(_ name: String, _ elem: Int32, _ dims: [Dim]?) -> ProtoWriter {
        var shape = ProtoWriter()
        for d in dims ?? [] {
            var dim = ProtoWriter()
            switch d { case .value(let v): dim.int(1, v); case .param(let p): dim.string(2, p) }
            shape.message(1, dim)
        }
        var tt = ProtoWriter()
        tt.int(1, Int(elem))
        if dims != nil { tt.message(2, shape) }
        var type = ProtoWriter()
        type.message(1, tt)
        var vi = ProtoWriter()
        vi.string(1, name)
        vi.message(2, type)
        return vi
    }

    enum Attr { case int(Int), ints([Int]), float(Float), string(String), tensor(ProtoWriter) }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "", domain: String = "", _ attrs: [(String, Attr)] = []) -> ProtoWriter {
        var n = ProtoWriter()
        for i in inputs { n.string(1, i) }
        for o in outputs { n.string(2, o) }
        if !name.isEmpty { n.string(3, name) }
        n.string(4, op)
        if !domain.isEmpty { n.string(7, domain) }
        for (key, value) in attrs {
            var a = ProtoWriter()
            a.string(1, key)
            switch value {
            case .int(let v): a.int(20, 2); a.int(3, v)
            case .ints(let v): a.int(20, 7); for x in v { a.int(8, x) }
            case .float(let v): a.int(20, 1); a.float(2, v)
            case .string(let v): a.int(20, 3); a.string(4, v)
            case .tensor(let t): a.int(20, 4); a.message(5, t)
            }
            n.message(5, a)
        }
        return n
    }

    static func graph(nodes: [ProtoWriter], inputs: [ProtoWriter], outputs: [ProtoWriter], initializers: [ProtoWriter] = [], name: String = "g") -> ProtoWriter {
        var g = ProtoWriter()
        for n in nodes { g.message(1, n) }
        g.string(2, name)
        for i in initializers { g.message(5, i) }
        for i in inputs { g.message(11, i) }
        for o in outputs { g.message(12, o) }
        return g
    }

    static func model(_ graph: ProtoWriter?, opset: Int = 17, extraOpsets: [(String, Int)] = [], irVersion: Int = 8) -> [UInt8] {
        var m = ProtoWriter()
        m.int(1, irVersion)
        m.string(2, "picojoule-tests")
        m.string(3, "1")
        if let graph { m.message(7, graph) }
        var o = ProtoWriter()
        o.string(1, ""); o.int(2, opset)
        m.message(8, o)
        for (domain, version) in extraOpsets {
            var e = ProtoWriter()
            e.string(1, domain); e.int(2, version)
            m.message(8, e)
        }
        return m.bytes
    }

    /// A one-node model: y = op(x, initializers...).
    static func single(_ op: String, input: [Dim], initializers: [ProtoWriter] = [], initializerNames: [String] = [], attrs: [(String, Attr)] = [], opset: Int = 17) -> [UInt8] {
        let g = graph(nodes: [node(op, ["x"] + initializerNames, ["y"], name: "n0", attrs)],
                      inputs: [valueInfo("x", 1, input)], outputs: [valueInfo("y", 1, nil)], initializers: initializers)
        return model(g, opset: opset)
    }
}

/// Little-endian bytes of a value array.
func leBytes<T>(_ v: [T]) -> [UInt8] { v.withUnsafeBytes { Array($0) } }

import Foundation
import Model
import Testing

/// Loads `bytes`, expecting a ModelError, and returns it.
func loadError(_ bytes: [UInt8], base: String? = nil, options: LoadOptions = .init()) -> ModelError? {
    do {
        _ = try ModelLoader.load(bytes: bytes, baseDirectory: base, name: "test.onnx", options: options)
        return nil
    } catch { return error }
}

func load(_ bytes: [UInt8], base: String? = nil, options: LoadOptions = .init()) throws -> LoadedModel {
    try ModelLoader.load(bytes: bytes, baseDirectory: base, name: "test.onnx", options: options)
}

/// A model y = Add(x, w) with `w` given as `init`, x of shape `dims`.
func addModel(_ w: ProtoWriter, dtype: Int32 = 1, dims: [Int] = [2, 2]) -> [UInt8] {
    let g = ONNX.graph(nodes: [ONNX.node("Add", ["x", "w"], ["y"], name: "add")],
                       inputs: [ONNX.valueInfo("x", dtype, dims.map { .value($0) })],
                       outputs: [ONNX.valueInfo("y", dtype, nil)], initializers: [w])
    return ONNX.model(g)
}

@Suite struct LoaderTests {
    @Test func rawAndTypedFloatInitializersAgree() throws {
        let values: [Float] = [1, -2.5, 3, 0.25]
        let typed = try load(addModel(ONNX.floats("w", [2, 2], values)))
        let raw = try load(addModel(ONNX.raw("w", 1, [2, 2], leBytes(values))))
        #expect(typed.graph.initializers["w"]?.scalars(as: Float.self) == values)
        #expect(raw.graph.initializers["w"]?.scalars(as: Float.self) == values)
        #expect(typed.graph.valueTypes["y"] == TensorType(dtype: .float32, shape: [2, 2]))
        #expect(typed.producer == "picojoule-tests 1")
        #expect(typed.irVersion == 8)
    }

    @Test func typedFieldsForEveryWidth() throws {
        let f16 = [Float16(1.5), Float16(-2)]
        let t16 = try load(addModel(ONNX.tensor("w", 10, [2]) { $0.packedInts(5, f16.map { Int($0.bitPattern) }) }, dtype: 10, dims: [2]))
        #expect(t16.graph.initializers["w"]?.scalars(as: UInt16.self) == f16.map(\.bitPattern))
        let i8 = try load(addModel(ONNX.tensor("w", 3, [3]) { $0.packedInts(5, [-128, 0, 127]) }, dtype: 3, dims: [3]))
        #expect(i8.graph.initializers["w"]?.scalars(as: Int8.self) == [-128, 0, 127])
        let u8 = try load(addModel(ONNX.tensor("w", 2, [2]) { $0.packedInts(5, [255, 7]) }, dtype: 2, dims: [2]))
        #expect(u8.graph.initializers["w"]?.scalars(as: UInt8.self) == [255, 7])
        let b = try load(addModel(ONNX.tensor("w", 9, [2]) { $0.packedInts(5, [1, 0]) }, dtype: 9, dims: [2]))
        #expect(b.graph.initializers["w"]?.scalars(as: UInt8.self) == [1, 0])
        let i64 = try load(addModel(ONNX.int64s("w", [2], [-5, 1 << 40]), dtype: 7, dims: [2]))
        #expect(i64.graph.initializers["w"]?.scalars(as: Int64.self) == [-5, 1 << 40])
        let f64 = try load(addModel(ONNX.tensor("w", 11, [2]) { $0.packedDoubles(10, [0.5, -1]) }, dtype: 11, dims: [2]))
        #expect(f64.graph.initializers["w"]?.scalars(as: Double.self) == [0.5, -1])
        let u64 = try load(addModel(ONNX.tensor("w", 13, [1]) { $0.packedInts(11, [42]) }, dtype: 13, dims: [1]))
        #expect(u64.graph.initializers["w"]?.scalars(as: UInt64.self) == [42])
        let i32 = try load(addModel(ONNX.tensor("w", 6, [2]) { $0.packedInts(5, [-7, 9]) }, dtype: 6, dims: [2]))
        #expect(i32.graph.initializers["w"]?.integers() == [-7, 9])
    }

    /// int4: two elements per byte, first in the low nibble; int32_data holds one byte per entry.
    @Test func int4PackingRawAndTyped() throws {
        // Elements 1, -2, 3, -8, 7 → bytes 0xE1, 0x83, 0x07 (what onnx.helper.make_tensor writes).
        let g = { (w: ProtoWriter) in
            ONNX.model(ONNX.graph(nodes: [ONNX.node("Identity", ["w"], ["y"])], inputs: [], outputs: [ONNX.valueInfo("y", 22, nil)], initializers: [w]))
        }
        let typed = try load(g(ONNX.tensor("w", 22, [5]) { $0.packedInts(5, [225, 131, 7]) }), options: .init(inferShapes: false))
        let raw = try load(g(ONNX.raw("w", 22, [5], [0xE1, 0x83, 0x07])), options: .init(inferShapes: false))
        for m in [typed, raw] {
            let t = try #require(m.graph.initializers["w"])
            #expect(t.dtype == .int4 && t.byteCount == 3)
            let bytes = Array(UnsafeRawBufferPointer(start: t.storage.bytes, count: 3))
            #expect(bytes == [0xE1, 0x83, 0x07])
        }
        #expect(loadError(g(ONNX.raw("w", 22, [5], [0xE1, 0x83]))) == .rawDataSizeMismatch(tensor: "w", expectedBytes: 3, actualBytes: 2))
    }

    @Test func initializerInputsAreNotRealInputs() throws {
        let g = ONNX.graph(nodes: [ONNX.node("Add", ["x", "w"], ["y"])],
                           inputs: [ONNX.valueInfo("x", 1, [.value(2)]), ONNX.valueInfo("w", 1, [.value(2)])],
                           outputs: [ONNX.valueInfo("y", 1, nil)], initializers: [ONNX.floats("w", [2], [1, 2])])
        let m = try load(ONNX.model(g))
        #expect(m.graph.inputs.map(\.name) == ["x"])
    }

    @Test func symbolicDimensionsBindAndKeepNames() throws {
        let g = ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["y"])],
                           inputs: [ONNX.valueInfo("x", 1, [.param("batch"), .value(3), .param("len")])],
                           outputs: [ONNX.valueInfo("y", 1, [.param("batch"), .value(3), .param("len")])])
        let m = try load(ONNX.model(g), options: LoadOptions(symbolicDimensions: ["batch": 8]))
        let x = m.graph.inputs[0]
        #expect(x.declaredShape == [.symbolic("batch"), .fixed(3), .symbolic("len")])
        #expect(x.type.shape == [8, 3, 1])
        #expect(m.graph.outputs[0].type.shape == [8, 3, 1])
        #expect(m.graph.outputs[0].declaredShape == [.symbolic("batch"), .fixed(3), .symbolic("len")])
    }

    @Test func sha256OfFileBytes() throws {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        let bytes = addModel(ONNX.floats("w", [2, 2], [1, 2, 3, 4]))
        let m = try load(bytes)
        #expect(m.sha256 == SHA256.hex(bytes))
        #expect(m.fileBytes == bytes.count)
    }

    @Test func loadsFromPath() throws {
        let dir = try TempDir()
        let bytes = addModel(ONNX.floats("w", [2, 2], [1, 2, 3, 4]))
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path + "/m.onnx"))
        let m = try ModelLoader.load(path: dir.path + "/m.onnx")
        #expect(m.sha256 == SHA256.hex(bytes))
        #expect(throws: ModelError.self) { try ModelLoader.load(path: dir.path + "/missing.onnx") }
        #expect(throws: ModelError.fileTooLarge(path: dir.path + "/m.onnx", bytes: bytes.count, limit: 10)) {
            try ModelLoader.load(path: dir.path + "/m.onnx", options: LoadOptions(maxFileBytes: 10))
        }
    }
}

/// A fresh temporary folder, removed when the value is released.
final class TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "picojoule-model-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

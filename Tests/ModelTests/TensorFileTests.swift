import Foundation
import Model
import Testing

@Suite struct TensorFileTests {
    @Test func npyRoundTripsEveryDType() throws {
        let dir = try TempDir()
        let tensors: [Tensor] = [
            Tensor(floats: [1, -2, 3.5, 0, 5, 6], shape: [2, 3]),
            Tensor(dtype: .float16, shape: [2], values: [Float16(1).bitPattern, Float16(-0.5).bitPattern]),
            Tensor(dtype: .int8, shape: [3], values: [Int8(-1), 0, 127]),
            Tensor(dtype: .uint8, shape: [1, 1, 2], values: [UInt8(255), 1]),
            Tensor(dtype: .int32, shape: [], values: [Int32(-7)]),
            Tensor(dtype: .int64, shape: [2], values: [Int64.min, Int64.max]),
            Tensor(dtype: .bool, shape: [2], values: [UInt8(1), 0]),
        ]
        for (k, t) in tensors.enumerated() {
            let path = dir.path + "/t\(k).npy"
            try NPYFile.write(t, path: path)
            let back = try NPYFile.read(path: path)
            #expect(back.dtype == t.dtype && back.shape == t.shape)
            #expect(Array(UnsafeRawBufferPointer(start: back.storage.bytes, count: back.byteCount))
                == Array(UnsafeRawBufferPointer(start: t.storage.bytes, count: t.byteCount)))
            let bytes = try NPYFile.bytes(t)
            #expect(Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
            #expect((10 + Int(bytes[8]) + Int(bytes[9]) << 8) % 64 == 0)
        }
    }

    @Test func npyVersion2HeaderAndErrors() throws {
        let header = Array("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n".utf8)
        var v2: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0]
        v2 += [UInt8(header.count), 0, 0, 0] + header + leBytes([Int64(3), Int64(-4)])
        #expect(try NPYFile.read(bytes: v2, name: "v2").integers() == [3, -4])
        #expect(throws: ModelError.self) { try NPYFile.read(bytes: Array(v2.dropLast()), name: "short") }
        #expect(throws: ModelError.self) { try NPYFile.read(bytes: Array("not numpy".utf8), name: "bad") }
        let fortran = [0x93] + Array("NUMPY".utf8) + [1, 0] + [UInt8(header.count), 0]
            + Array("{'descr': '<i8', 'fortran_order': True, 'shape': (2,), }\n".utf8).prefix(header.count) + leBytes([Int64(3), Int64(-4)])
        #expect(throws: ModelError.self) { try NPYFile.read(bytes: fortran, name: "fortran") }
    }

    @Test func npyFromNumpyWhenAvailable() throws {
        let python = FileManager.default.currentDirectoryPath + "/.cache/venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { print("TensorFileTests: skipped numpy check, no venv"); return }
        let dir = try TempDir()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import numpy as np; np.save('\(dir.path)/a.npy', np.arange(12, dtype=np.float32).reshape(3, 4))"]
        try p.run(); p.waitUntilExit()
        let t = try NPYFile.read(path: dir.path + "/a.npy")
        #expect(t.shape == [3, 4])
        #expect(t.scalars(as: Float.self) == (0..<12).map(Float.init))
    }

    @Test func tensorProtoFiles() throws {
        let t = Tensor(floats: [1, 2, 3], shape: [3])
        let bytes = TensorFile.protoBytes(name: "input_0", tensor: t)
        let dir = try TempDir()
        try Data(bytes).write(to: URL(fileURLWithPath: dir.path + "/input_0.pb"))
        let (name, back) = try TensorFile.readProto(path: dir.path + "/input_0.pb")
        #expect(name == "input_0")
        #expect(back.scalars(as: Float.self) == [1, 2, 3])
        #expect(throws: ModelError.self) { try TensorFile.readProto(bytes: Array(bytes.dropLast(2)), name: "cut") }
        let reference = LightZoo.folder + "/light_squeezenet_output_0.pb"
        if FileManager.default.fileExists(atPath: reference) {
            let (_, out) = try TensorFile.readProto(path: reference)
            #expect(out.dtype == .float32 && out.elementCount == 1000)
        } else {
            print("TensorFileTests: skipped light zoo reference output, absent")
        }
    }
}

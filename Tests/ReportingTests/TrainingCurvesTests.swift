import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Reporting
import XCTest

final class TrainingCurvesTests: XCTestCase {
    func testCurvesHoldEachTasksLossAndDevScoreAgainstTheStep() throws {
        let directory = try runFolder("""
            {"type":"train","step":10,"epoch":1,"loss":{"ner":2.5,"pos":1.5},"sentences_per_s":100,"learning_rate":1}
            {"type":"train","step":20,"epoch":1,"loss":{"ner":1.5,"pos":0.5},"sentences_per_s":100,"learning_rate":1}
            {"type":"eval","split":"dev","step":20,"epoch":1,"main_score":0.8,"tasks":{"ner":{"f1":0.7,"precision":0.7,"recall":0.7},"pos":{"accuracy":0.9,"tokens":10}}}
            {"type":"throughput","sentences":64,"seconds":1.5}

            """)
        let curves = try TrainingCurves(metrics: directory.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(curves.tasks, ["ner", "pos"])
        XCTAssertEqual(curves.loss["ner"]?.map(\.x), [10, 20])
        XCTAssertEqual(curves.loss["pos"]?.map(\.y), [1.5, 0.5])
        XCTAssertEqual(try XCTUnwrap(curves.devScore["ner"]?.first?.y), 70, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(curves.devScore["pos"]?.first?.y), 90, accuracy: 1e-9)

        let url = try TrainingCurves.redraw(runDirectory: directory)
        XCTAssertEqual(url.lastPathComponent, "curves.svg")
        let svg = try Data(contentsOf: url)
        XCTAssertTrue(XMLParser(data: svg).parse(), "well-formed XML")
        let text = String(decoding: svg, as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "<polyline").count - 1, 2, "a loss line per task (one dev point each draws no line)")
        for label in ["Training loss", "Dev score", ">ner<", ">pos<"] { XCTAssertTrue(text.contains(label), label) }
    }

    func testMalformedMetricsLineNamesTheLine() throws {
        let directory = try runFolder("{\"type\":\"train\",\"step\":1,\"loss\":{\"ner\":1}}\nnot json\n")
        XCTAssertThrowsError(try TrainingCurves.redraw(runDirectory: directory)) {
            XCTAssertTrue("\($0)".contains("metrics.jsonl:2:"), "\($0)")
        }
    }

    private func runFolder(_ metrics: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curves-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try metrics.write(to: directory.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        return directory
    }
}

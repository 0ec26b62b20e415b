import Training
import XCTest

final class ProgressReporterTests: XCTestCase {
    func testPlainLinesEveryNStepsWithoutCarriageReturns() {
        var out = ""
        let p = ProgressReporter(interactive: false, plainEvery: 2) { out += $0 }
        for step in 1...5 { p.step(step, of: 5, epoch: 1, losses: [("ner", 1.5)], sentencesPerSecond: 100) }
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, out)  // steps 2, 4 and the last
        XCTAssertFalse(out.contains("\r"))
        XCTAssertTrue(lines[0].contains("step 2/5") && lines[0].contains("ner 1.5000") && lines[0].contains("ETA"), out)
    }

    func testTerminalRedrawsOneLineWithABar() {
        var out = ""
        let p = ProgressReporter(interactive: true, plainEvery: 100) { out += $0 }
        p.step(1, of: 4, epoch: 1, losses: [("pos", 2)], sentencesPerSecond: 10)
        p.step(2, of: 4, epoch: 1, losses: [("pos", 1)], sentencesPerSecond: 10)
        p.line("dev after epoch 1")
        XCTAssertEqual(out.filter { $0 == "\r" }.count, 2)
        XCTAssertTrue(out.contains("[#####...............]") && out.contains("[##########..........]"), out)
        XCTAssertTrue(out.hasSuffix("\ndev after epoch 1\n"), out)
    }

    func testBarAndClock() {
        XCTAssertEqual(ProgressReporter.bar(0, width: 4), "[....]")
        XCTAssertEqual(ProgressReporter.bar(1, width: 4), "[####]")
        XCTAssertEqual(ProgressReporter.clock(3725), "1:02:05")
    }
}

// Mocha's spec reporter plus one closing line in the plain form CI reads: "N passed, N failed".
const { Spec } = require('mocha').reporters;

class SpecWithSummary extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`);
    });
  }
}

module.exports = SpecWithSummary;

import { expect } from 'chai';

describe('runtime', () => {
  it('runs on Node 24, the pinned LTS', () => {
    expect(process.versions.node.split('.')[0]).to.equal('24');
  });
});

import { expect } from 'chai';
import { maskNik, nikProblem, normaliseNik, sexFromNik } from '../../src/certification/nik.js';
import { parseProfile } from '../../src/certification/profileSchemas.js';
import { ValidationError } from '../../src/platform/errors.js';
import { person } from './handoffFixtures.js';

/** The field issues parseProfile reports for `body`, by field (key only). */
function issuesOf(body: Record<string, unknown>): Record<string, string> {
  try {
    parseProfile(body);
    return {};
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return Object.fromEntries(error.fields.map((issue) => [issue.field, issue.key]));
  }
}

describe('certification: NIK validation', () => {
  it('accepts a plausible NIK, a man’s and a woman’s (day plus 40), matching their dates of birth', () => {
    expect(nikProblem(person.man.nik, person.man.dateOfBirth)).to.equal(null);
    expect(nikProblem(person.woman.nik, person.woman.dateOfBirth)).to.equal(null);
    expect(sexFromNik(person.man.nik)).to.equal('L');
    expect(sexFromNik(person.woman.nik)).to.equal('P');
  });

  it('takes the spaces, dots and dashes people type between the groups', () => {
    expect(normaliseNik('3201 01 010190 0001')).to.equal(person.man.nik);
    expect(normaliseNik('3201.0101-0190.0001')).to.equal(person.man.nik);
  });

  it('refuses a wrong length', () => {
    expect(nikProblem('320101010190001')).to.equal('length');
    expect(nikProblem('32010101019000011')).to.equal('length');
  });

  it('refuses letters', () => {
    expect(nikProblem('32010101019O0001')).to.equal('digits');
    expect(nikProblem('3201O1010190000')).to.equal('digits');
  });

  it('refuses a province code that does not exist', () => {
    expect(nikProblem('9901010101900001')).to.equal('province'); // 99: no province
    expect(nikProblem('2001010101900001')).to.equal('province'); // 20: a gap in the codes
    expect(nikProblem('0001010101900001')).to.equal('province');
  });

  it('refuses a date part that is no date', () => {
    expect(nikProblem('3201013201900001')).to.equal('birthDate'); // day 32
    expect(nikProblem('3201017201900001')).to.equal('birthDate'); // day 72 (32 for a woman)
    expect(nikProblem('3201010113900001')).to.equal('birthDate'); // month 13
    expect(nikProblem('3201013102900001')).to.equal('birthDate'); // 31 February
    expect(nikProblem('3201010000900001')).to.equal('birthDate'); // day 0
    expect(nikProblem('3201012902000001')).to.equal(null); // 29 February 2000: a leap year
  });

  it('refuses a date part that does not match the date of birth, and a woman’s day without the 40', () => {
    expect(nikProblem(person.man.nik, '1990-01-02')).to.equal('mismatch');
    expect(nikProblem(person.man.nik, '1991-01-01')).to.equal('mismatch');
    // The form does not ask the sex: day 12 and day 52 both fit a birth on the 12th.
    expect(nikProblem('3273011203950002', '1995-03-12')).to.equal(null);
    expect(nikProblem(person.woman.nik, '1995-03-12')).to.equal(null);
    expect(nikProblem(person.woman.nik, '1995-03-52')).to.equal('mismatch');
    expect(nikProblem('3273015203950002', '1995-03-13')).to.equal('mismatch');
  });

  it('refuses serial 0000', () => {
    expect(nikProblem('3201010101900000')).to.equal('serial');
  });

  it('masks all but the province, regency and serial', () => {
    expect(maskNik(person.man.nik)).to.equal('3201••••••••0001');
    expect(maskNik(person.man.nik)).not.to.include('010190');
  });

  describe('the request form', () => {
    const good = { ...person.man, consent: 'true' };

    it('takes good input, normalised', () => {
      const parsed = parseProfile({ ...good, nik: '3201 0101 0190 0001' });
      expect(parsed).to.deep.include({ nik: person.man.nik, placeOfBirth: 'Bandung', dateOfBirth: '1990-01-01', consent: true });
    });

    it('requires the consent box, and says so beside it with the other fields’ problems', () => {
      expect(issuesOf({ ...good, consent: undefined })).to.deep.equal({ consent: 'certification.request.errors.consent' });
      expect(issuesOf({ ...good, consent: 'false' })).to.deep.equal({ consent: 'certification.request.errors.consent' });
      expect(issuesOf({ ...good, nik: '12', consent: undefined })).to.deep.equal({
        nik: 'certification.nik.length',
        consent: 'certification.request.errors.consent',
      });
    });

    it('names each NIK problem, and the mismatch with the date of birth', () => {
      expect(issuesOf({ ...good, nik: '' })).to.deep.equal({ nik: 'validation.required' });
      expect(issuesOf({ ...good, nik: '3201abc101900001' })).to.deep.equal({ nik: 'certification.nik.digits' });
      expect(issuesOf({ ...good, nik: '9901010101900001' })).to.deep.equal({ nik: 'certification.nik.province' });
      expect(issuesOf({ ...good, dateOfBirth: '1990-02-01' })).to.deep.equal({ nik: 'certification.nik.mismatch' });
      expect(issuesOf({ ...good, dateOfBirth: '2090-01-01' })).to.deep.equal({
        dateOfBirth: 'certification.request.errors.dateOfBirth',
      });
      expect(issuesOf({ ...good, dateOfBirth: '1990-02-30' })).to.deep.equal({
        dateOfBirth: 'certification.request.errors.dateOfBirth',
      });
    });
  });
});

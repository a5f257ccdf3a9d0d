import { expect } from 'chai';
import { updateCohort } from '../../src/cohorts/service.js';
import { Intake } from '../../src/counselling/model.js';
import { Enrollment } from '../../src/enrolment/model.js';
import { seatsTaken } from '../../src/enrolment/seats.js';
import {
  applyOnBehalf,
  applyToCohort,
  approveEnrollment,
  completeEnrollment,
  enrolMany,
  rejectEnrollment,
  withdrawEnrollment,
} from '../../src/enrolment/service.js';
import type { Actor } from '../../src/platform/permissions.js';
import { cohortFields, makeCohortSetup } from '../support/cohorts.js';
import { useTestDatabase } from '../support/database.js';
import { makeUser } from '../support/factories.js';

/** A trainee who has filled the intake, as applying requires. */
async function applicant(institution: string): Promise<Actor> {
  const user = await makeUser('trainee', institution);
  await Intake.create({ _id: user.id, institution, education: 'smk' });
  return { id: user.id, role: 'trainee', institution };
}

function countBy(statuses: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('enrolment: the state machine and capacity', () => {
  useTestDatabase(import.meta.url);

  it('takes an application, approves it into a place, and completes it', async () => {
    const setup = await makeCohortSetup({ capacity: 2 });
    const trainee = await applicant(setup.institution);
    const applied = await applyToCohort(trainee, setup.cohort);
    expect(applied.status).to.equal('applied');
    expect((await applyToCohort(trainee, setup.cohort)).id, 'applying twice gives the same application').to.equal(applied.id);
    const enrolled = await approveEnrollment(setup.coordinator, applied.id);
    expect(enrolled.status).to.equal('enrolled');
    expect((await approveEnrollment(setup.coordinator, applied.id)).status, 'approving twice changes nothing').to.equal(
      'enrolled',
    );
    expect(await seatsTaken(setup.cohort)).to.equal(1);
    expect((await completeEnrollment(setup.coordinator, applied.id)).status).to.equal('completed');
    expect(await seatsTaken(setup.cohort), 'a graduate keeps the place').to.equal(1);
  });

  it('refuses applications without an intake, outside the window, and from staff', async () => {
    const setup = await makeCohortSetup();
    const bare = await makeUser('trainee', setup.institution);
    const error = await applyToCohort({ id: bare.id, role: 'trainee', institution: setup.institution }, setup.cohort).catch(
      (e) => e,
    );
    expect(error.key).to.equal('enrolment.errors.intakeFirst');
    const closed = await makeCohortSetup();
    await updateCohort(
      closed.coordinator,
      closed.cohort,
      cohortFields(closed.program.id, { status: 'planned', name: 'Belum dibuka', instructors: [] }),
    );
    const trainee = await applicant(closed.institution);
    expect((await applyToCohort(trainee, closed.cohort).catch((e) => e)).key).to.equal('enrolment.errors.closed');
    expect((await applyToCohort(setup.instructor, setup.cohort).catch((e) => e)).status).to.equal(403);
  });

  it('waitlists approvals beyond capacity and moves the first waiting trainee up when a place frees', async () => {
    const setup = await makeCohortSetup({ capacity: 1 });
    const [first, second, third] = [
      await applicant(setup.institution),
      await applicant(setup.institution),
      await applicant(setup.institution),
    ];
    const a = await applyToCohort(first, setup.cohort);
    const b = await applyToCohort(second, setup.cohort);
    const c = await applyToCohort(third, setup.cohort);
    expect((await approveEnrollment(setup.coordinator, a.id)).status).to.equal('enrolled');
    expect((await approveEnrollment(setup.coordinator, b.id)).status).to.equal('waitlisted');
    expect((await approveEnrollment(setup.coordinator, c.id)).status).to.equal('waitlisted');
    await withdrawEnrollment(first, a.id, 'pindah kota');
    const after = await Enrollment.find({ cohort: setup.cohort }).lean();
    const statusOf = (id: string) => after.find((e) => String(e._id) === id)?.status;
    expect([statusOf(a.id), statusOf(b.id), statusOf(c.id)]).to.deep.equal(['withdrawn', 'enrolled', 'waitlisted']);
    // A withdrawn trainee may apply again; the same record is reopened.
    const again = await applyToCohort(first, setup.cohort);
    expect(again.id).to.equal(a.id);
    expect(again.status).to.equal('applied');
  });

  it('a larger capacity enrols the waiting list in order; a smaller one than the places taken is refused', async () => {
    const setup = await makeCohortSetup({ capacity: 1 });
    const people = [await applicant(setup.institution), await applicant(setup.institution), await applicant(setup.institution)];
    const enrolments = [];
    for (const person of people)
      enrolments.push(await approveEnrollment(setup.coordinator, (await applyToCohort(person, setup.cohort)).id));
    expect(enrolments.map((e) => e.status)).to.deep.equal(['enrolled', 'waitlisted', 'waitlisted']);
    const fields = cohortFields(setup.program.id, { capacity: 2, instructors: [setup.instructor.id] });
    await updateCohort(setup.coordinator, setup.cohort, fields);
    const statuses = (await Enrollment.find({ cohort: setup.cohort }).sort({ appliedAt: 1 }).lean()).map((e) => e.status);
    expect(statuses).to.deep.equal(['enrolled', 'enrolled', 'waitlisted']);
    const refused = await updateCohort(setup.coordinator, setup.cohort, { ...fields, capacity: 1 }).catch((e) => e);
    expect(refused.fields[0]).to.include({ field: 'capacity', key: 'cohorts.errors.capacityBelowTaken' });
  });

  it('under many simultaneous approvals enrols exactly the capacity, once each', async () => {
    const capacity = 5;
    const setup = await makeCohortSetup({ capacity });
    const trainees = await Promise.all(Array.from({ length: 40 }, () => makeUser('trainee', setup.institution)));
    const applications = await Promise.all(
      trainees.map((trainee) => applyOnBehalf(setup.coordinator, setup.cohort, trainee.id, { source: 'staff' })),
    );
    // Every application approved twice at once, as two coordinators clicking together would.
    const decided = await Promise.all(
      [...applications, ...applications].map((application) => approveEnrollment(setup.coordinator, application.id)),
    );
    expect(decided).to.have.length(80);
    const stored = await Enrollment.find({ cohort: setup.cohort }).lean();
    expect(stored).to.have.length(40);
    expect(countBy(stored.map((e) => e.status))).to.deep.equal({ enrolled: capacity, waitlisted: 40 - capacity });
    expect(await seatsTaken(setup.cohort)).to.equal(capacity);
  });

  it('under many simultaneous applications to a first-come cohort enrols exactly the capacity, with no duplicates', async () => {
    const capacity = 3;
    const setup = await makeCohortSetup({ capacity, autoApprove: true });
    const people = await Promise.all(Array.from({ length: 30 }, () => applicant(setup.institution)));
    // Each trainee double-clicks: two requests each, all at once.
    const results = await Promise.all([...people, ...people].map((person) => applyToCohort(person, setup.cohort)));
    expect(new Set(results.map((r) => r.id)).size, 'one enrolment per trainee').to.equal(30);
    const stored = await Enrollment.find({ cohort: setup.cohort }).lean();
    expect(stored).to.have.length(30);
    expect(countBy(stored.map((e) => e.status))).to.deep.equal({ enrolled: capacity, waitlisted: 30 - capacity });
    expect(await seatsTaken(setup.cohort)).to.equal(capacity);
  });

  it('under simultaneous withdrawals hands each freed place to exactly one waiting trainee', async () => {
    const capacity = 4;
    const setup = await makeCohortSetup({ capacity, autoApprove: true });
    const people = await Promise.all(Array.from({ length: 12 }, () => applicant(setup.institution)));
    const enrolments = [];
    for (const person of people) enrolments.push(await applyToCohort(person, setup.cohort));
    const seated = enrolments.filter((e) => e.status === 'enrolled');
    expect(seated).to.have.length(capacity);
    await Promise.all(seated.slice(0, 3).map((e) => withdrawEnrollment(setup.coordinator, e.id, '')));
    const stored = await Enrollment.find({ cohort: setup.cohort }).sort({ appliedAt: 1, _id: 1 }).lean();
    expect(countBy(stored.map((e) => e.status))).to.deep.equal({
      withdrawn: 3,
      enrolled: capacity,
      waitlisted: 12 - 3 - capacity,
    });
    // The places went to the three who waited longest.
    const promoted = stored.filter((e) => e.status === 'enrolled').map((e) => String(e._id));
    for (const early of enrolments.slice(capacity, capacity + 3)) expect(promoted).to.include(early.id);
    expect(await seatsTaken(setup.cohort)).to.equal(capacity);
  });

  it('keeps the capacity when bulk enrolments and single approvals race', async () => {
    const capacity = 8;
    const setup = await makeCohortSetup({ capacity });
    const people = await Promise.all(Array.from({ length: 36 }, () => makeUser('trainee', setup.institution)));
    const ids = people.map((person) => person.id);
    const singles = await Promise.all(
      ids.slice(24).map((id) => applyOnBehalf(setup.coordinator, setup.cohort, id, { source: 'staff' })),
    );
    // Two CSV imports of overlapping lists and a dozen approvals, all at once.
    await Promise.all([
      enrolMany(setup.coordinator, setup.cohort, ids.slice(0, 16), 'import'),
      enrolMany(setup.coordinator, setup.cohort, ids.slice(8, 24), 'import'),
      ...singles.map((single) => approveEnrollment(setup.coordinator, single.id)),
    ]);
    const stored = await Enrollment.find({ cohort: setup.cohort }).lean();
    expect(stored).to.have.length(36);
    expect(countBy(stored.map((e) => e.status))).to.deep.equal({ enrolled: capacity, waitlisted: 36 - capacity });
    expect(await seatsTaken(setup.cohort)).to.equal(capacity);
  });

  it('refuses decisions out of order, and to coordinators of other institutions', async () => {
    const setup = await makeCohortSetup();
    const trainee = await applicant(setup.institution);
    const application = await applyToCohort(trainee, setup.cohort);
    expect((await completeEnrollment(setup.coordinator, application.id).catch((e) => e)).key).to.equal(
      'enrolment.errors.notFromStatus',
    );
    await rejectEnrollment(setup.coordinator, application.id, 'kuota');
    expect((await approveEnrollment(setup.coordinator, application.id).catch((e) => e)).key).to.equal(
      'enrolment.errors.notFromStatus',
    );
    const other = await makeCohortSetup();
    expect((await approveEnrollment(other.coordinator, application.id).catch((e) => e)).status).to.equal(403);
    expect((await withdrawEnrollment(await applicant(setup.institution), application.id, '').catch((e) => e)).status).to.equal(
      403,
    );
  });
});

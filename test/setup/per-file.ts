import nock from 'nock';
import { afterAll } from 'vitest';

// Outbound HTTP must be faked: an unmocked call to Strava or Garmin fails the test.
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);

afterAll(() => {
  nock.cleanAll();
});

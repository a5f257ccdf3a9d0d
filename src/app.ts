import cookieParser from 'cookie-parser';
import express from 'express';
import type mongoose from 'mongoose';
import { pinoHttp } from 'pino-http';
import { registerActivityRoutes } from './activity/routes.js';
import { registerAssignmentRoutes } from './assessments/assignments/routes.js';
import { registerObservationRoutes } from './assessments/observations/routes.js';
import { registerQuizRoutes } from './assessments/quizzes/routes.js';
import { registerAssessmentRoutes } from './assessments/routes.js';
import { registerFirstLoginRoutes } from './auth/firstLoginRoutes.js';
import { configurePassport, resolveActor } from './auth/passport.js';
import { registerPasswordResetRoutes } from './auth/passwordResetRoutes.js';
import { registerAuthRoutes } from './auth/routes.js';
import { registerCertificateRoutes } from './certificates/routes.js';
import { registerDeliveryRoutes } from './certification/delivery/routes.js';
import { registerCertificationRoutes } from './certification/routes.js';
import { registerCohortRoutes } from './cohorts/routes.js';
import { registerCompletionRoutes } from './completion/routes.js';
import { registerCounsellingRoutes } from './counselling/routes.js';
import { registerEnrolmentImportRoutes } from './enrolment/importRoutes.js';
import { registerEnrolmentRoutes } from './enrolment/routes.js';
import { registerExportRoutes } from './exports/routes.js';
import { createFiles, type Files } from './files/index.js';
import { registerHomeRoutes } from './home/routes.js';
import { registerInstitutionRoutes } from './institutions/routes.js';
import { registerLearningRoutes } from './learning/routes.js';
import { registerRoomRoutes } from './live/room/routes.js';
import { registerLiveRoutes } from './live/routes.js';
import { registerLiveSlideRoutes } from './live/slides/routes.js';
import { registerMonitoringRoutes } from './monitoring/routes.js';
import { apiBasePath, createApiRegistry } from './platform/api.js';
import type { Config } from './platform/config.js';
import { databaseIsUp } from './platform/db/connect.js';
import { createHighlights, type Highlights } from './platform/highlights.js';
import { compressText, createPublicAssets } from './platform/http/assets.js';
import { requestDeadline } from './platform/http/deadline.js';
import { errorHandler, notFoundHandler } from './platform/http/errorHandler.js';
import { guardRouteParams } from './platform/http/params.js';
import { requestLogOptions } from './platform/http/requestLog.js';
import { viewHelpers } from './platform/http/viewHelpers.js';
import { languageMiddleware } from './platform/i18n.js';
import { createLinkSlots, type LinkSlots } from './platform/linkSlots.js';
import type { Logger } from './platform/logger.js';
import { chartJsFile, publicDir, socketIoClientFile, viewsDir } from './platform/paths.js';
import { csrfProtection, exposeCsrfToken, securityHeaders } from './platform/security.js';
import { createSessionMiddleware } from './platform/session.js';
import { createLiveConnections, type LiveConnections } from './platform/socket.js';
import { registerProgramRoutes } from './programs/routes.js';
import { registerTokenRoutes } from './tokens/routes.js';
import { registerTracerRoutes } from './tracer/routes.js';
import { registerUnitRoutes } from './units/routes.js';
import { registerUserRoutes } from './users/routes.js';
import { registerXapi } from './xapi/routes.js';

export type AppDependencies = {
  config: Config;
  log: Logger;
  connection: mongoose.Connection;
  sessionSecret: string;
  /** Whether the database answers within the time given (health.ts); the connected one by default. */
  isDatabaseUp?: (timeoutMs?: number) => Promise<boolean>;
};

/** Builds the Express application from its parts. Starts nothing and listens on nothing. */
export function createApp({ config, log, connection, sessionSecret, isDatabaseUp = databaseIsUp }: AppDependencies) {
  const app = express();
  app.set('views', viewsDir);
  app.set('view engine', 'ejs');
  app.set('trust proxy', config.trustProxy ?? false);
  app.disable('x-powered-by');
  if (config.env === 'production') app.enable('view cache');

  app.use(securityHeaders(config.cookieSecure));
  app.use(pinoHttp(requestLogOptions(log)));
  // Pages, styles, scripts and JSON travel compressed: on a slow phone line that is most of the wait.
  app.use(compressText());
  // Hashed once here; development re-hashes a file edited since, so a change shows without a restart.
  const assets = createPublicAssets(publicDir, {
    watch: config.env === 'development',
    vendor: { '/js/vendor/socket.io.min.js': socketIoClientFile, '/js/vendor/chart.umd.min.js': chartJsFile },
  });
  app.locals.assets = assets;
  app.locals.asset = assets.url; // every view, error pages too: asset('/css/app.css')
  app.use('/public', assets.handler);

  // Before the session: a load balancer's probe should not create sessions. Answers within 2 s,
  // also on a busy machine: a database that answers at all answers a ping in milliseconds, so 1 s
  // of waiting leaves the rest of the 2 s for the machine's own delays.
  app.get('/healthz', async (_req, res) => {
    if (await isDatabaseUp(1_000)) res.json({ status: 'ok', database: 'up' });
    else res.status(503).json({ status: 'unavailable', database: 'down' });
  });
  // Before the session too: reading it is the first thing that waits on a stalled database.
  app.use(requestDeadline({ isDatabaseUp, log }));

  const sessionMiddleware = createSessionMiddleware({ connection, secret: sessionSecret, secureCookie: config.cookieSecure });
  const passport = configurePassport(sessionSecret);
  // Connected to Socket.IO by whoever attaches it (server.ts); features only ask it to end sockets.
  const liveConnections = createLiveConnections();
  app.use(express.urlencoded({ extended: false, limit: '100kb' }));
  app.use(express.json({ limit: '1mb' }));
  app.use(cookieParser());
  app.use(sessionMiddleware);
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(resolveActor);
  app.use(languageMiddleware);
  app.use(viewHelpers);
  app.use(exposeCsrfToken);
  app.use(csrfProtection);

  const api = createApiRegistry();
  const web = express.Router();
  const features = {
    web,
    api,
    log,
    files: createFiles(config),
    sessionSecret,
    secureCookie: config.cookieSecure,
    highlights: createHighlights(),
    linkSlots: createLinkSlots(),
    liveConnections,
  };
  registerHomeRoutes(features);
  registerAuthRoutes(features);
  registerUserRoutes(features);
  registerTokenRoutes(features);
  registerInstitutionRoutes(features);
  registerUnitRoutes(features);
  registerProgramRoutes(features);
  registerAssessmentRoutes(features);
  registerAssignmentRoutes(features);
  registerObservationRoutes(features);
  registerQuizRoutes(features);
  registerEnrolmentImportRoutes(features);
  registerFirstLoginRoutes(features);
  registerPasswordResetRoutes(features);
  registerCounsellingRoutes(features);
  registerCohortRoutes(features);
  registerEnrolmentRoutes(features);
  registerLearningRoutes(features);
  registerLiveRoutes(features);
  registerLiveSlideRoutes(features);
  registerRoomRoutes(features);
  registerCompletionRoutes(features);
  registerMonitoringRoutes(features); // coordinator monitoring: trainees at risk
  registerTracerRoutes(features);
  registerActivityRoutes(features); // activity log per trainee, audit log; follows the domain events
  registerCertificateRoutes({ ...features, publicUrl: config.publicUrl });
  registerCertificationRoutes(features); // certification hand-off: LSP register, trainee request, batches, exports
  registerDeliveryRoutes(features); // certification: LSP credentials, webhook pushes, results API
  registerExportRoutes(features); // CSV/XLSX downloads of the registered tables, long ones as background jobs
  registerXapi(features, config); // xAPI statements of learning records to an LRS, and the admins' /admin/xapi
  guardRouteParams(web); // ids that are not ObjectIds, control characters: 404 (params.ts)
  app.get(`${apiBasePath}/openapi.json`, (_req, res) => {
    res.json(api.openapiDocument());
  });
  app.use(apiBasePath, api.router);
  app.use(web);

  app.use(notFoundHandler);
  app.use(errorHandler(log));

  // The session and passport go to Socket.IO too (platform/socket.ts): the same cookie, the same user.
  return { app, sessionMiddleware, passport, liveConnections, api, web };
}

export type FeatureContext = {
  web: express.Router;
  log: Logger;
  files: Files;
  api: ReturnType<typeof createApiRegistry>;
  sessionSecret: string;
  secureCookie: boolean;
  /** What the landing page says each feature does (platform/highlights.ts). */
  highlights: Highlights;
  /** Links later features add to earlier features' pages (platform/linkSlots.ts). */
  linkSlots: LinkSlots;
  /** Ends a user's or a session's live sockets (platform/socket.ts), e.g. at logout. */
  liveConnections: LiveConnections;
};

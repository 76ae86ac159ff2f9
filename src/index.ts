import { Plugin } from '@livekit/agents';
import { ConversationLogPlugin } from './plugin/plugin.js';

export { ConversationLogPlugin } from './plugin/plugin.js';
export { attachConversationLog } from './plugin/attach.js';
export { prewarmConversationLog, PREWARMED_LOGGER } from './plugin/prewarm.js';
export type { JobProcessLike, PrewarmOptions } from './plugin/prewarm.js';
export type { AttachOptions, ConversationLogHandle, JobContextLike, SessionLike } from './plugin/attach.js';
export { defineConversationLogConfig } from './plugin/config.js';
export type { ConversationLogConfig } from './plugin/config.js';
export { SessionMapper } from './plugin/mapper.js';
export type { MapperOptions, SessionEventLike, SessionEventSnapshot } from './plugin/mapper.js';
export { snapshotEvent } from './plugin/snapshot.js';
export type { ItemSnapshot, ToolCallSnapshot, ToolOutputSnapshot } from './plugin/snapshot.js';
export { DEFAULT_PRICING, costOf, mergePricing } from './config/pricing.js';
export type { PricingTable, TokenPrice } from './config/pricing.js';
export { resolveAnalysis } from './analysis/options.js';
export type { AnalysisOptions, AnalysisSchema, JsonSchemaObject, ResolvedAnalysis, SafeParseSchema } from './analysis/options.js';
export { analyzeCall, analyzeStoredCalls } from './analysis/run.js';
export { ANALYSIS_REQUEST } from './analysis/prompt.js';
export type { AnalysisResult, AnalysisStore, AnalyzeCallsResult } from './analysis/run.js';
export { getCallAnalysis, getAnalysisStatistics, getCallTags } from './queries/call-analysis.js';
export type { AnalysisStatistics, CallAnalysis, CallOutcomeRecord, VerdictCounts } from './queries/call-analysis.js';
export { callsToAnalyze, getCallTranscript } from './queries/transcript.js';
export type { CallsToAnalyzeFilter, CallTranscript, TranscriptLine } from './queries/transcript.js';
export { waterfall } from './plugin/turns.js';
export { ConversationLogger } from './logger/conversation-logger.js';
export type {
  ConversationLoggerOptions,
  EndCallOptions,
  EndConversationOptions,
  LogAssistantMessageOptions,
  LogEventOptions,
  LogToolCallOptions,
  LogUserMessageOptions,
  RecordQualityOptions,
  StartCallOptions,
  StartConversationOptions,
} from './logger/conversation-logger.js';
export { getConversationLogger, resetConversationLogger } from './logger/global.js';
export { initDatabase, createDataSource } from './store/data-source.js';
export { MigrationManager } from './store/migration-manager.js';
export type { MigrationResult, MigrationStatus } from './store/migration-manager.js';
export type { RebuildOptions, RebuildResult } from './store/rebuild.js';
export { rebuildProjections } from './store/rebuild.js';
export type { EnqueueOptions, EventSink } from './store/sink.js';
export type { CloseOptions, CloseReport, FlushOptions, WriterStats } from './store/writer.js';
export { loadConfig, DEFAULT_DATABASE_URL } from './config/config.js';
export type { StoreConfig, StoreOverrides } from './config/config.js';
export { ConversationLogError, isConversationLogError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { getConversationHistory } from './queries/history.js';
export type { HistoryMessage } from './queries/history.js';
export { getCallStatistics } from './queries/statistics.js';
export type { CallStatistics } from './queries/statistics.js';
export type { TokenCount } from './queries/sql.js';
export { getCallDetail } from './queries/call-detail.js';
export type { CallDetail, CallConversation, CallMessage, CallTurn, CallSystemEvent, LogEvent } from './queries/call-detail.js';
export { listCalls } from './queries/call-list.js';
export { diffReleases } from './queries/diff.js';
export type { DiffBy, DiffEstimate, DiffOptions, DiffResult, DiffRow, DiffSide, DiffVerdict } from './queries/diff.js';
export { defaultRelease, instructionsHash } from './config/release.js';
export { searchMessages, SEARCH_ROLES } from './queries/search.js';
export type { SearchOptions, SearchResult, SearchMatch, SnippetPart, SearchRole } from './queries/search.js';
export { parseSearchQuery } from './queries/search-query.js';
export type { SearchQuery, SearchTerm } from './queries/search-query.js';
export type { CallListRow, CallListPage, CallListFilter } from './queries/call-list.js';
export { getCallReport, CALL_REPORT_VERSION } from './queries/call-report.js';
export type { CallReport, CallReportMessage, CallReportTurn } from './queries/call-report.js';
export {
  verifyWebhookSignature,
  signWebhookPayload,
  SIGNATURE_HEADER,
  DELIVERY_HEADER,
  EVENT_HEADER,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
} from './webhooks/signature.js';
export type { VerifyWebhookOptions } from './webhooks/signature.js';
export { WebhookDeliverer } from './webhooks/deliverer.js';
export type { WebhookDelivererOptions, WebhookDeliveryReport, WebhookPayload } from './webhooks/deliverer.js';
export { WEBHOOK_EVENTS } from './config/webhooks.js';
export type { WebhookConfig, WebhookEndpoint, WebhookEvent } from './config/webhooks.js';
export { listDeliveries, retryDelivery, WEBHOOK_TRIGGERS } from './store/webhook-outbox.js';
export type { WebhookDelivery, DeliveryStatus } from './store/webhook-outbox.js';
export { cleanupOldData } from './store/cleanup.js';
export type { CleanupResult } from './store/cleanup.js';
export { summarize, percentileOfSorted } from './projections/percentile.js';
export {
  latencyPercentiles,
  responseLatencyHistogram,
  costByModelAndDay,
  costByDay,
  interruptionRate,
  toolCallStats,
  callsBy,
  LATENCY_COMPONENTS,
} from './queries/analytics.js';
export type {
  AnalyticsWindow,
  LatencyComponent,
  LatencyBucket,
  ModelDayCost,
  DayCost,
  InterruptionRate,
  ToolCallStats,
  CallGroupStats,
} from './queries/analytics.js';
export { toJsonl, eventsSince } from './export/jsonl.js';
export { toCsv } from './export/csv.js';
export { toOtlp, callToOtlp, otlpRequests, modelCallsOf, OTLP_ATTRIBUTE_TYPES } from './export/otlp.js';
export type {
  OtlpOptions,
  OtlpTraceRequest,
  OtlpResourceSpans,
  OtlpSpan,
  OtlpKeyValue,
  OtlpAnyValue,
  OtlpAttributeKey,
  OtlpModelCall,
  OtlpCallTrace,
} from './export/otlp.js';
export { sendOtlp, encodeTraceRequest, retryAfterMs, OtlpExportError } from './export/otlp-http.js';
export type { OtlpHttpOptions, OtlpHttpResult, OtlpEncoding } from './export/otlp-http.js';
export { sessionReportEvents } from './import/session-report.js';
export type { SessionReportJson, ImportedReport } from './import/session-report.js';
export type { PercentileSummary } from './projections/percentile.js';
export * from './events/types.js';
export {
  createAnalysisCompletedEvent,
  createAnalysisFailedEvent,
  createCallOutcomeRecordedEvent,
  createCallTaggedEvent,
  createCallEndedEvent,
  createCallStartedEvent,
  createConversationEndedEvent,
  createConversationStartedEvent,
  createErrorOccurredEvent,
  createMessageAddedEvent,
  createMetricsRecordedEvent,
  createQualityScoredEvent,
  createRecordingAvailableEvent,
  createHeardLatencyMeasuredEvent,
  createSessionEvent,
  createSystemEventLoggedEvent,
  createToolExecutedEvent,
  createTurnCompletedEvent,
} from './events/create.js';
export type {
  AnalysisCompletedArgs,
  AnalysisFailedArgs,
  CallOutcomeRecordedArgs,
  CallTaggedArgs,
  CallEndedArgs,
  CallStartedArgs,
  ConversationEndedArgs,
  ConversationStartedArgs,
  ErrorOccurredArgs,
  EventEnvelope,
  MessageAddedArgs,
  MetricsRecordedArgs,
  QualityScoredArgs,
  SessionEventArgs,
  SystemEventLoggedArgs,
  ToolExecutedArgs,
  TurnCompletedArgs,
  RecordingAvailableArgs,
  HeardLatencyMeasuredArgs,
} from './events/create.js';
export { measureHeardLatency } from './logger/heard-latency.js';
export type { HeardLatencyResult, MeasuredTurn, MeasureOptions } from './logger/heard-latency.js';
export { decodeToPcm } from './audio/decode.js';
export { detectSpeech, type SpeechSegment, type VadOptions } from './audio/vad.js';
export { getRecording, type CallRecording } from './queries/recordings.js';
export { entitiesFor } from '../entities/index.js';
export { MIGRATIONS } from '../migrations/index.js';
export { FleetMetrics, startDashboardServer } from './server/index.js';
export type { DashboardServer, DashboardServerOptions, FleetMetricsOptions } from './server/index.js';
export {
  COUNTERS,
  latencyBuckets,
  MetricsRecorder,
  openTelemetryTarget,
  registerPrometheusMetrics,
  TURN_HISTOGRAMS,
} from './metrics/index.js';
export type { Labels, MetricsOptions, MetricsTarget, PrometheusMetricsOptions, RecordableEvent } from './metrics/index.js';

Plugin.registerPlugin(new ConversationLogPlugin());

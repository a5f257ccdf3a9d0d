export { defaultPageSize, type KeysetOptions, keysetDocuments, keysetPages } from './keyset.js';
export {
  defineExport,
  directExportLimit,
  type ExportColumn,
  type ExportColumnType,
  type ExportScope,
  type ExportSpec,
  exportLinks,
  exportNamePattern,
  exportNames,
  exportTable,
} from './registry.js';
export { cellValue, type ExportFormat, exportFormats, exportMimeTypes, writeCsv, writeExport, writeXlsx } from './writers.js';

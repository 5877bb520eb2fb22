import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

function toSqliteValue(value: unknown): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}

class BooleanToIntegerTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode, queryId?: QueryId): ValueNode {
    const transformed = super.transformValue(node, queryId);
    return typeof transformed.value === 'boolean'
      ? { ...transformed, value: toSqliteValue(transformed.value) }
      : transformed;
  }

  protected override transformPrimitiveValueList(
    node: PrimitiveValueListNode,
    queryId?: QueryId,
  ): PrimitiveValueListNode {
    const transformed = super.transformPrimitiveValueList(node, queryId);
    return { ...transformed, values: transformed.values.map(toSqliteValue) };
  }
}

/**
 * SQLite has no boolean type and better-sqlite3 refuses to bind a JS boolean; this plugin turns
 * boolean parameters into 1/0, so the shared repos can write booleans on both dialects.
 */
export class SqliteBooleanPlugin implements KyselyPlugin {
  readonly #transformer = new BooleanToIntegerTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

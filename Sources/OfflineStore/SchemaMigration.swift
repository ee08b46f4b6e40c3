/// One numbered step of the schema, from `Migrations/NNNN_name.sql`.
public struct SchemaMigration: Sendable {
    public var number: Int
    public var name: String
    public var sql: String
}

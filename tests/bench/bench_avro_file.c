/* Baseline for the Avro replay benchmark: avro-c's own container-file
 * reader decoding every record of FILE into one reused generic value of
 * the file's writer schema (avro_file_reader_read_value), nothing else.
 * Same file, same blocks and codec as casewatch-replay --input-format avro.
 *
 *   bench_avro_file FILE       prints "records=N" */
#include <avro.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_avro_file FILE\n");
        return 2;
    }
    avro_file_reader_t r;
    if (avro_file_reader(argv[1], &r)) {
        fprintf(stderr, "bench_avro_file: %s: %s\n", argv[1], avro_strerror());
        return 1;
    }
    avro_schema_t schema = avro_file_reader_get_writer_schema(r);
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t v;
    avro_generic_value_new(iface, &v);
    unsigned long n = 0;
    int rc;
    while ((rc = avro_file_reader_read_value(r, &v)) == 0)
        n++;
    if (rc != EOF) {
        fprintf(stderr, "bench_avro_file: record %lu: %s\n", n, avro_strerror());
        return 1;
    }
    printf("records=%lu\n", n);
    avro_value_decref(&v);
    avro_value_iface_decref(iface);
    avro_file_reader_close(r);
    return 0;
}

# Writes the seed corpus of each fuzz target (tests/fuzz/corpus/<name>/): a few small valid
# inputs per decoder, hand-encoded from wire/format.md, and the shipped YAML files.
# Run from anywhere: python3 tests/fuzz/corpus/gen_corpus.py
import os, shutil, glob
root=os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
C=root+'/tests/fuzz/corpus'
def varint(n):
    out=b''
    while True:
        b=n&0x7f; n>>=7
        if n: out+=bytes([b|0x80])
        else: return out+bytes([b])
def fv(num,n): return varint(num<<3)+varint(n)
def fb(num,b): return varint(num<<3|2)+varint(len(b))+b
def frame(ch,t,body):
    h=varint(ch<<4|t); return varint(len(h)+len(body))+h+body
dk=bytes(range(32))
msgs={
 0: fb(1,dk)+fb(2,bytes(32)),
 1: fb(1,b'echo')+fb(1,b'ddb/length')+fv(2,1),
 2: fv(1,1)+fv(2,1),
 3: fv(1,0)+fv(2,1024)+fb(3,varint(8<<2|3)),
 4: fv(1,5)+fv(2,2),
 5: fv(1,0)+fv(2,1048576),
 6: fv(1,0),
 7: fv(1,3)+fv(3,0)+fv(4,2),
 8: fv(1,3),
 9: fv(1,0)+fb(2,b'hello')+fb(3,fv(1,0)+fb(2,bytes(32))+fv(3,5))+fb(4,bytes(64)),
 10: fb(1,dk),
 15: varint(0)+b'hi',
}
def put(name,fname,data):
    d=f'{C}/{name}'; os.makedirs(d,exist_ok=True)
    open(f'{d}/{fname}','wb').write(data)
for v,n in [(b'\x00','zero'),(b'\x7f','one_byte'),(b'\x80\x01','two_bytes'),(b'\xff'*9+b'\x01','max'),(b'\x96\x01\x05\x80','mixed_truncated'),(b'\xff'*10+b'\x7f','overlong')]:
    put('varint',n,v)
put('bitfield_rle','run_ff',b'\x00'+varint(8<<2|3))
put('bitfield_rle','literal',b'\x01'+varint(3<<1)+b'\xaa\xbb\xcc')
put('bitfield_rle','mixed_align4',b'\x02'+varint(4<<2|3)+varint(2<<1)+b'\x12\x34'+varint(100<<2|1))
put('bitfield_rle','huge_run_capped',b'\x04'+varint((1<<30)<<2|3))
for t,b in msgs.items():
    put('messages',f'type_{t}',bytes([t])+b)
stream=b''.join(frame(1,t,b) for t,b in msgs.items() if t not in (0,10))
put('frame','all_types',bytes([0x3f])+frame(1,0,msgs[0])+stream+b'\x00'+frame(1,10,msgs[10]))
put('frame','small_limit',bytes([0x47])+frame(2,9,msgs[9]))
put('frame','split_bytes',bytes([0x00])+frame(1,3,msgs[3])+frame(3,7,msgs[7]))
sess=frame(1,0,fb(1,bytes(32)))+frame(1,1,msgs[1])+frame(1,2,msgs[2])+frame(1,3,msgs[3])+frame(1,5,msgs[5])+frame(1,7,msgs[7])+frame(1,15,msgs[15])+b'\x00'+frame(1,10,b'')
put('session','plain_channel',bytes([0x2e])+sess)
put('session','two_channels',bytes([0x1e])+frame(1,0,fb(1,dk))+frame(2,0,fb(1,dk))+frame(2,3,msgs[3]))
put('session','noise_first',bytes([0x0f])+varint(32+26)+bytes(range(32))+fb(1,bytes(24)))
put('handshake','responder_e',bytes([0x00])+varint(32+26)+bytes(range(32))+fb(1,bytes(24)))
put('handshake','initiator_reply',bytes([0x11])+varint(200)+bytes(200))
for f in glob.glob(root+'/config/examples/*.yaml'):
    put('config',os.path.basename(f),open(f,'rb').read())
put('config','aliases.yaml',b'node: &n {name: n}\nfeeds:\n  - {name: a, mode: write, append: &ap {blocks: 1}}\n  - {name: b, mode: write, append: *ap}\n')
for f in glob.glob(root+'/sim/scenarios/*.yaml'):
    put('scenario',os.path.basename(f),open(f,'rb').read())
